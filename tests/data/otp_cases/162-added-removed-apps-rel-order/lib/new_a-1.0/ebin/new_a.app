%% new_a.app 1.0
{application,new_a,
 [{description,"new_a 1.0"},
  {vsn,"1.0"},
  {modules,[na1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
