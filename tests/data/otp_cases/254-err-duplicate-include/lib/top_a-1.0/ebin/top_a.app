%% top_a.app 1.0
{application,top_a,
 [{description,"top_a 1.0"},
  {vsn,"1.0"},
  {modules,[ta1]},
  {registered,[]},
  {applications,[kernel,stdlib]},
  {included_applications,[shared]}]}.
