%% inc_a.app 1.0
{application,inc_a,
 [{description,"inc_a 1.0"},
  {vsn,"1.0"},
  {modules,[ia1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
