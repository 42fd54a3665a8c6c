%% beta.app 1.0
{application,beta,
 [{description,"beta 1.0"},
  {vsn,"1.0"},
  {modules,[b1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
