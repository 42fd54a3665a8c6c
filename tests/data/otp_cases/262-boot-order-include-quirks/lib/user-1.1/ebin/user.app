%% user.app 1.1
{application,user,
 [{description,"user 1.1"},
  {vsn,"1.1"},
  {modules,[u1]},
  {registered,[]},
  {applications,[kernel,stdlib,inc]}]}.
