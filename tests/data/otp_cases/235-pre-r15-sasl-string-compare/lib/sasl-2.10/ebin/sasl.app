%% sasl.app 2.10
{application,sasl,
 [{description,"sasl 2.10"},
  {vsn,"2.10"},
  {modules,[]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
