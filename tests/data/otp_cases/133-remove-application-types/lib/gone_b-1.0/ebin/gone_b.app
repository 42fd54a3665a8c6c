%% gone_b.app 1.0
{application,gone_b,
 [{description,"gone_b 1.0"},
  {vsn,"1.0"},
  {modules,[gb1]},
  {registered,[]},
  {applications,[kernel,stdlib]}]}.
