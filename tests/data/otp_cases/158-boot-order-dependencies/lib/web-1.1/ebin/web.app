%% web.app 1.1
{application,web,
 [{description,"web 1.1"},
  {vsn,"1.1"},
  {modules,[w1]},
  {registered,[]},
  {applications,[kernel,stdlib,cache,db]}]}.
