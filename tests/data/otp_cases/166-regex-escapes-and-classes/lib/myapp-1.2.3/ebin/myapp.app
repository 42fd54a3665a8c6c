%% myapp.app 1.2.3
{application,myapp,
 [{description,"myapp 1.2.3"},
  {vsn,"1.2.3"},
  {modules,[ma,mb,mc,md,me,sup1,mold]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
