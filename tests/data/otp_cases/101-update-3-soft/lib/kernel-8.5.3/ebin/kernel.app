%% kernel.app 8.5.3
{application,kernel,
 [{description,"kernel 8.5.3"},
  {vsn,"8.5.3"},
  {modules,[]},
  {registered,[]},
  {applications,[]}]}.
