%% Stand-in for OTP's sasl 4.2: relup generate only reads names, versions and modules.
{application, sasl, [{description, "sasl (stand-in)"}, {vsn, "4.2"}, {modules, []}, {registered, []}, {applications, [kernel,stdlib]}]}.
