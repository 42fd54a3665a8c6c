%% alpha.app 1.1
{application,alpha,
 [{description,"alpha 1.1"},
  {vsn,"1.1"},
  {modules,[a1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
