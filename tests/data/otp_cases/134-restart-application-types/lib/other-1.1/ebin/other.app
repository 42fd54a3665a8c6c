%% other.app 1.1
{application,other,
 [{description,"other 1.1"},
  {vsn,"1.1"},
  {modules,[o1,o3]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
