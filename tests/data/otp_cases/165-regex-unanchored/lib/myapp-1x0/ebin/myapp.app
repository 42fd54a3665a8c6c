%% myapp.app 1x0
{application,myapp,
 [{description,"myapp 1x0"},
  {vsn,"1x0"},
  {modules,[ma,mb,mc,md,me,sup1,mold]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
