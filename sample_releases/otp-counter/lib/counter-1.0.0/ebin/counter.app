{application, counter,
 [{description, "The chapter's counter, greeter and a gen_server"},
  {vsn, "1.0.0"},
  {modules, [counter_app, counter_sup, counter, greeter, counter_srv]},
  {registered, [greeter, counter_srv]},
  {applications, [kernel, stdlib]},
  {mod, {counter_app, []}}]}.
