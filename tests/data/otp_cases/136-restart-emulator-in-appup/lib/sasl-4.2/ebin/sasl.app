%% sasl.app 4.2
{application,sasl,
 [{description,"sasl 4.2"},
  {vsn,"4.2"},
  {modules,[]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
