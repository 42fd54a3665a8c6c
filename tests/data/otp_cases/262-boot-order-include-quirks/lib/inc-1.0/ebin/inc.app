%% inc.app 1.0
{application,inc,
 [{description,"inc 1.0"},
  {vsn,"1.0"},
  {modules,[i1]},
  {registered,[]},
  {applications,[kernel,stdlib,top]}]}.
