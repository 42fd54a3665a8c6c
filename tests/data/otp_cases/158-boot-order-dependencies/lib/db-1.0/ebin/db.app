%% db.app 1.0
{application,db,
 [{description,"db 1.0"},
  {vsn,"1.0"},
  {modules,[d1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
