%% cache.app 1.0
{application,cache,
 [{description,"cache 1.0"},
  {vsn,"1.0"},
  {modules,[c1]},
  {registered,[]},
  {applications,[kernel,stdlib,db]}]}.
