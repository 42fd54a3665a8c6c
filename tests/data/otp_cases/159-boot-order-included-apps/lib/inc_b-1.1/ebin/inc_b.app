%% inc_b.app 1.1
{application,inc_b,
 [{description,"inc_b 1.1"},
  {vsn,"1.1"},
  {modules,[ib1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
