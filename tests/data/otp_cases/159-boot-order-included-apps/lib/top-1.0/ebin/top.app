%% top.app 1.0
{application,top,
 [{description,"top 1.0"},
  {vsn,"1.0"},
  {modules,[t1]},
  {registered,[]},
  {applications,[kernel,stdlib]},
  {included_applications,[inc_b,inc_a]}]}.
