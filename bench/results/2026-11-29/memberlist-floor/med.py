import sys,re,statistics as st,collections
d=collections.defaultdict(lambda: collections.defaultdict(list))
for l in open(sys.argv[1]):
    m=re.match(r"(\S+) memberlist n=(\d+) (\w+): p50 (\d+) ns, p99 (\d+)",l)
    if m: d[(m.group(2),m.group(3))][m.group(1)].append((int(m.group(4)),int(m.group(5))))
for k in sorted(d):
    for b,v in d[k].items():
        print(k[0],k[1],b,"n=%d p50 med %d  p99 med %d"%(len(v),st.median(x[0] for x in v),st.median(x[1] for x in v)))
