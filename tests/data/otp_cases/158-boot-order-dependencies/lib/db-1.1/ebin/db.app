%% db.app 1.1
{application,db,
 [{description,"db 1.1"},
  {vsn,"1.1"},
  {modules,[d1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
