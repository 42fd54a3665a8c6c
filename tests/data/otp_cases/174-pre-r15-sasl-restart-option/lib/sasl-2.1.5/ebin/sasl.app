%% sasl.app 2.1.5
{application,sasl,
 [{description,"sasl 2.1.5"},
  {vsn,"2.1.5"},
  {modules,[]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
