%% newapp.app 1.0
{application,newapp,
 [{description,"newapp 1.0"},
  {vsn,"1.0"},
  {modules,[n1,n2]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
