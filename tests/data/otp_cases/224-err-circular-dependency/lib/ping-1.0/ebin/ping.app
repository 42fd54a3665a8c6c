%% ping.app 1.0
{application,ping,
 [{description,"ping 1.0"},
  {vsn,"1.0"},
  {modules,[p1]},
  {registered,[]},
  {applications,[kernel,stdlib,pong]}]}.
