%% gamma.app 1.0
{application,gamma,
 [{description,"gamma 1.0"},
  {vsn,"1.0"},
  {modules,[g1,g2]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
