%% inc_a.app 1.1
{application,inc_a,
 [{description,"inc_a 1.1"},
  {vsn,"1.1"},
  {modules,[ia1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
