%% other2.app 1.0
{application,other2,
 [{description,"other2 1.0"},
  {vsn,"1.0"},
  {modules,[p1,p2]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
