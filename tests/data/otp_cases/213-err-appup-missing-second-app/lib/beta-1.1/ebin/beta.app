%% beta.app 1.1
{application,beta,
 [{description,"beta 1.1"},
  {vsn,"1.1"},
  {modules,[b1]},
  {registered,[]},
  {applications,[kernel,stdlib,alpha]}]}.
