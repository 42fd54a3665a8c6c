%% Stand-in for OTP's stdlib 4.2: relup generate only reads names, versions and modules.
{application, stdlib, [{description, "stdlib (stand-in)"}, {vsn, "4.2"}, {modules, []}, {registered, []}, {applications, [kernel]}]}.
