{application,bad,[{vsn,"1.0"},{modules,[b1}]}.
