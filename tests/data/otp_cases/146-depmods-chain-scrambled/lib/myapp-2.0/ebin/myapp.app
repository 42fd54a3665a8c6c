%% myapp.app 2.0
{application,myapp,
 [{description,"myapp 2.0"},
  {vsn,"2.0"},
  {modules,[ma,mb,mc,md,me,sup1,mnew]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
