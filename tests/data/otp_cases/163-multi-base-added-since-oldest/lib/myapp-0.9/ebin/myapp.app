%% myapp.app 0.9
{application,myapp,
 [{description,"myapp 0.9"},
  {vsn,"0.9"},
  {modules,[ma,mb,mc,md,me,sup1,mold]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
