%% web.app 1.0
{application,web,
 [{description,"web 1.0"},
  {vsn,"1.0"},
  {modules,[w1]},
  {registered,[]},
  {applications,[kernel,stdlib,cache,nowhere]},
  {optional_applications,[nowhere,cache]}]}.
