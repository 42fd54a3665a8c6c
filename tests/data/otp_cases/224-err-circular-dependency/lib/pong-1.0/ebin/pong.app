%% pong.app 1.0
{application,pong,
 [{description,"pong 1.0"},
  {vsn,"1.0"},
  {modules,[q1]},
  {registered,[]},
  {applications,[kernel,stdlib,ping]}]}.
