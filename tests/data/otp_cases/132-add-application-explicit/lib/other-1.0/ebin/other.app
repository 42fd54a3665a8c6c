%% other.app 1.0
{application,other,
 [{description,"other 1.0"},
  {vsn,"1.0"},
  {modules,[o1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
