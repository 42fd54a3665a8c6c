#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%%
%% Runs systools:make_relup/4 for the case in the current directory (see
%% case.txt) and writes what OTP returned:
%%   expected.relup     the relup file systools wrote (copied unchanged)
%%   expected.warnings  ~p of the warnings list, when it is not empty
%%   expected.error     ~p of {error, Module, Reason} (option silent)
%%
%% Usage: escript run_make_relup.escript [OutDir [perturb [Count]]]
%%   OutDir defaults to "."; "perturb" first fills the atom table with Count
%%   (default 3000) dummy
%%   atoms and with the case's own words in reverse order, so that a second
%%   run in a differently prepared VM can reveal hash-order artifacts.
main(Args) ->
    {OutDir, Perturb} = case Args of
                            [] -> {".", false};
                            [D] -> {D, false};
                            [D, "perturb"] -> {D, 3000};
                            [D, "perturb", N] -> {D, list_to_integer(N)}
                        end,
    Perturb =/= false andalso perturb(Perturb),
    {ok, Bin} = file:read_file("case.txt"),
    Fields = [begin
                  {K, [$: | V]} = lists:splitwith(fun(C) -> C =/= $: end, L),
                  {string:trim(K), string:lexemes(V, " ")}
              end || L <- string:lexemes(binary_to_list(Bin), "\n")],
    [New] = proplists:get_value("new", Fields),
    UpFrom = proplists:get_value("up_from", Fields, []),
    DownTo = proplists:get_value("down_to", Fields, []),
    Path = proplists:get_value("path", Fields, ["lib/*/ebin"]),
    Options = [list_to_atom(O) || O <- proplists:get_value("options", Fields, [])],
    Tmp = filename:join(OutDir, ".relup_tmp"),
    ok = filelib:ensure_dir(filename:join(Tmp, "x")),
    _ = file:delete(filename:join(Tmp, "relup")),
    [_ = file:delete(filename:join(OutDir, F))
     || F <- ["expected.relup", "expected.error", "expected.warnings"]],
    Result = systools:make_relup("releases/" ++ New,
                                 ["releases/" ++ R || R <- UpFrom],
                                 ["releases/" ++ R || R <- DownTo],
                                 [{path, Path}, {outdir, Tmp}, silent | Options]),
    case Result of
        {ok, _Relup, _Module, Warnings} ->
            {ok, _} = file:copy(filename:join(Tmp, "relup"),
                                filename:join(OutDir, "expected.relup")),
            case Warnings of
                [] -> ok;
                _ -> write(filename:join(OutDir, "expected.warnings"), Warnings)
            end;
        {error, _Module, _Reason} = Error ->
            write(filename:join(OutDir, "expected.error"), Error)
    end,
    _ = file:delete(filename:join(Tmp, "relup")),
    ok = file:del_dir(Tmp).

write(File, Term) ->
    ok = file:write_file(File, io_lib:format("~p.~n", [Term])).

perturb(Count) ->
    [list_to_atom("zz_dummy_" ++ integer_to_list(N)) || N <- lists:seq(1, Count)],
    Files = filelib:wildcard("lib/*/ebin/*.app*") ++ filelib:wildcard("releases/*.rel"),
    Words = lists:append([words(F) || F <- Files]),
    [list_to_atom(W) || W <- lists:reverse(lists:usort(Words))],
    ok.

words(File) ->
    {ok, Bin} = file:read_file(File),
    case re:run(Bin, "[a-z][A-Za-z0-9_@]*", [global, {capture, first, list}]) of
        {match, Ms} -> [W || [W] <- Ms];
        nomatch -> []
    end.
