%% inc_b.app 1.0
{application,inc_b,
 [{description,"inc_b 1.0"},
  {vsn,"1.0"},
  {modules,[ib1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
