%% gone_a.app 1.0
{application,gone_a,
 [{description,"gone_a 1.0"},
  {vsn,"1.0"},
  {modules,[ga1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
