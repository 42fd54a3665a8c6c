%% myapp.app 1.0
{application,myapp,
 [{description,"myapp 1.0"},
  {vsn,"1.0"},
  {modules,[ma,mb,mc,md,me,sup1,mold]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
