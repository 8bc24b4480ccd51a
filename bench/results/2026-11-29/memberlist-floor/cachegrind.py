import re,subprocess,collections,sys,os
os.chdir(sys.argv[1])
N=4400*32
def tot(log):
    t={}
    for l in open(log):
        m=re.search(r"(I|D|LLd)\s+(refs|misses):\s+([\d,]+)(?:\s+\(\s*([\d,]+) rd\s+\+\s+([\d,]+) wr)?",l)
        if m and m.group(3)!="484,334" and m.group(3)!="484,336":
            k=m.group(1)+" "+m.group(2); v=int(m.group(3).replace(',',''))
            if k not in t or v>t[k][0]: t[k]=(v, int((m.group(4) or '0').replace(',','')))
    return t
def fns(out):
    r=subprocess.run(["cg_annotate","--show=Ir,DLmr","--sort=Ir","--threshold=0.001",out],capture_output=True,text=True).stdout
    d=collections.Counter(); dm=collections.Counter()
    on=False
    for l in r.splitlines():
        if 'file:function' in l: on=True; continue
        if on and not l.strip(): 
            if d: break
            continue
        m=re.match(r"\s*([\d,]+) \([^)]*\)\s+(?:([\d,]+) \([^)]*\)|0)\s+(\S.*)",l)
        if on and m:
            fn=m.group(3).split(':',1)[-1].replace("gatehouse_core::memberlist::","")
            d[fn]+=int(m.group(1).replace(',','')); dm[fn]+=int((m.group(2) or '0').replace(',',''))
    return d,dm
for n in (10000,1000000):
    a=tot(f"cg_{n}_1000.log"); b=tot(f"cg_{n}_3000.log")
    print(f"n={n}: instructions/change {(b['I refs'][0]-a['I refs'][0])/N:.0f}; LL read misses/change {(b['LLd misses'][1]-a['LLd misses'][1])/N:.1f}")
    fa,ma=fns(f"cg_{n}_1000.out"); fb,mb=fns(f"cg_{n}_3000.out")
    rows=sorted(((fb[k]-fa.get(k,0))/N,(mb[k]-ma.get(k,0))/N,k) for k in fb)[::-1]
    for i,m,k in rows[:10]: print(f"   {i:6.0f} instr {m:5.2f} LL rd misses  {k[:90]}")
