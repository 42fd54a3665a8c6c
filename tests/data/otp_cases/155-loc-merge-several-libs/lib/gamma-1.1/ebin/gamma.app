%% gamma.app 1.1
{application,gamma,
 [{description,"gamma 1.1"},
  {vsn,"1.1"},
  {modules,[g1,g2]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
