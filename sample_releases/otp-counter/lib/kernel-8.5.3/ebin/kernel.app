%% Stand-in for OTP's kernel 8.5.3: relup generate only reads names, versions and modules.
{application, kernel, [{description, "kernel (stand-in)"}, {vsn, "8.5.3"}, {modules, []}, {registered, []}, {applications, []}]}.
