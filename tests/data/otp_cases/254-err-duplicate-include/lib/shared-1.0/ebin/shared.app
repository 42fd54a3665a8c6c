%% shared.app 1.0
{application,shared,
 [{description,"shared 1.0"},
  {vsn,"1.0"},
  {modules,[s1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
