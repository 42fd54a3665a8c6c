%% myapp.app 1.5
{application,myapp,
 [{description,"myapp 1.5"},
  {vsn,"1.5"},
  {modules,[ma,mb,mc,md,me,sup1,mold]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
