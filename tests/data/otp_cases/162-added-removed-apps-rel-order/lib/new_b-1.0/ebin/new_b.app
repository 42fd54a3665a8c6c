%% new_b.app 1.0
{application,new_b,
 [{description,"new_b 1.0"},
  {vsn,"1.0"},
  {modules,[nb1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
