%% inc.app 1.1
{application,inc,
 [{description,"inc 1.1"},
  {vsn,"1.1"},
  {modules,[i1]},
  {registered,[]},
  {applications,[kernel,stdlib,top]}]}.
