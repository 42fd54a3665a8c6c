%% user.app 1.0
{application,user,
 [{description,"user 1.0"},
  {vsn,"1.0"},
  {modules,[u1]},
  {registered,[]},
  {applications,[kernel,stdlib,inc]}]}.
