%% stdlib.app 4.2
{application,stdlib,
 [{description,"stdlib 4.2"},
  {vsn,"4.2"},
  {modules,[]},
  {registered,[]},
  {applications,[kernel]}]}.
