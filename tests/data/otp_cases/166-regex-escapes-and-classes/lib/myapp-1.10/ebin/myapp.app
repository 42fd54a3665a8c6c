%% myapp.app 1.10
{application,myapp,
 [{description,"myapp 1.10"},
  {vsn,"1.10"},
  {modules,[ma,mb,mc,md,me,sup1,mold]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
