%% alpha.app 1.0
{application,alpha,
 [{description,"alpha 1.0"},
  {vsn,"1.0"},
  {modules,[a1,a2]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
