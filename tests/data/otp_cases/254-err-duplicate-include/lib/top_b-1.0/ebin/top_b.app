%% top_b.app 1.0
{application,top_b,
 [{description,"top_b 1.0"},
  {vsn,"1.0"},
  {modules,[tb1]},
  {registered,[]},
  {applications,[kernel,stdlib]},
  {included_applications,[shared]}]}.
