%% cache.app 1.1
{application,cache,
 [{description,"cache 1.1"},
  {vsn,"1.1"},
  {modules,[c1]},
  {registered,[]},
  {applications,[kernel,stdlib,db]}]}.
