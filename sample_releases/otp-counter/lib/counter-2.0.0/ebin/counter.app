{application, counter,
 [{description, "The chapter's counter, greeter and a gen_server"},
  {vsn, "2.0.0"},
  {modules, [counter_app, counter_sup, counter, greeter, counter_srv, counter_history]},
  {registered, [greeter, counter_srv]},
  {applications, [kernel, stdlib]},
  {mod, {counter_app, []}}]}.
