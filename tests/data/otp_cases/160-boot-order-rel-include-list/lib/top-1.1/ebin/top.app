%% top.app 1.1
{application,top,
 [{description,"top 1.1"},
  {vsn,"1.1"},
  {modules,[t1]},
  {registered,[]},
  {applications,[kernel,stdlib]},
  {included_applications,[inc_a,inc_b]}]}.
