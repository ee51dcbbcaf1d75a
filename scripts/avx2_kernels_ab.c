// The AVX2 matrix product of this tree against that of an earlier commit (its symbols renamed orig_*),
// linked into one program and alternated shape by shape (rows AB and AtB), and the product with B packed
// once (pack_b, packed_product: rows ABp; skipped when BASE predates them, 2d3f151): GFLOP/s by the thread's CPU time (medians and
// best of ROUNDS rounds of SECONDS each), and whether the two gave the same bits. Built and run by
// scripts/avx2_kernels_ab.sh. Usage: avx2_kernels_ab [ROUNDS] [SECONDS]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stddef.h>
typedef void (*mp)(ptrdiff_t,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,float*,ptrdiff_t,int,const float*);
void fk_avx2_matrix_product(ptrdiff_t,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,float*,ptrdiff_t,int,const float*);
void orig_avx2_matrix_product(ptrdiff_t,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,float*,ptrdiff_t,int,const float*);
typedef void (*pp)(ptrdiff_t,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,const float*,float*,ptrdiff_t,int,const float*);
typedef void (*pb)(ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,float*);
void fk_avx2_packed_product(ptrdiff_t,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,const float*,float*,ptrdiff_t,int,const float*);
void orig_avx2_packed_product(ptrdiff_t,ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,const float*,float*,ptrdiff_t,int,const float*) __attribute__((weak));
void fk_avx2_pack_b(ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,float*);
void orig_avx2_pack_b(ptrdiff_t,ptrdiff_t,const float*,ptrdiff_t,ptrdiff_t,float*) __attribute__((weak));
ptrdiff_t fk_avx2_packed_b_floats(ptrdiff_t,ptrdiff_t);
ptrdiff_t orig_avx2_packed_b_floats(ptrdiff_t,ptrdiff_t) __attribute__((weak));
static double cpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static float *rnd(size_t n){float*p;posix_memalign((void**)&p,64,n*4+64);for(size_t i=0;i<n;i++)p[i]=(float)(rand()%2001-1000)/1000;return p;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  int rounds = argc>1?atoi(argv[1]):7; double secs=argc>2?atof(argv[2]):0.05;
  // ta 2: A·B with B packed once (pack_b, packed_product), as the recurrent steps of training
  struct {int ta,m,n,k;} shapes[] = {{2,32,256,64},{2,32,64,256},{2,32,1024,256},{2,32,256,1024},{0,32,256,64},{0,32,64,256},{1,256,64,1536},{0,1536,256,64},{0,32,1024,256},{0,32,256,1024},{1,1024,256,1536},{0,1536,1024,256},{0,256,256,256},{0,1536,64,256},{0,1536,256,1024}};
  mp f[2]={orig_avx2_matrix_product,fk_avx2_matrix_product};
  pp fp[2]={orig_avx2_packed_product,fk_avx2_packed_product};
  pb fb[2]={orig_avx2_pack_b,fk_avx2_pack_b};
  for (int s=0;s<(int)(sizeof shapes/sizeof shapes[0]);s++){int ta=shapes[s].ta,m=shapes[s].m,n=shapes[s].n,k=shapes[s].k;
    if(ta==2 && (!orig_avx2_pack_b || !orig_avx2_packed_product || !orig_avx2_packed_b_floats)) continue;
    float*a=rnd((size_t)m*k),*b=rnd((size_t)k*n),*c=rnd((size_t)m*n),*c2=rnd((size_t)m*n);
    float *packed[2]={NULL,NULL};
    if(ta==2){ packed[0]=rnd((size_t)orig_avx2_packed_b_floats(k,n)); packed[1]=rnd((size_t)fk_avx2_packed_b_floats(k,n));
      for(int v=0;v<2;v++) fb[v](k,n,b,n,1,packed[v]); }
    double g[2][64];
    for(int r=0;r<rounds;r++) for(int v=0;v<2;v++){long reps=0;double t0=cpu();
      while(cpu()-t0<secs){ if(ta==2) fp[v](m,n,k,a,k,packed[v],v?c:c2,n,0,NULL); else if(ta) f[v](m,n,k,a,1,m,b,n,1,v?c:c2,n,0,NULL); else f[v](m,n,k,a,k,1,b,n,1,v?c:c2,n,0,NULL); reps++;}
      g[v][r]=2.0*m*n*k*reps/(cpu()-t0)/1e9;}
    qsort(g[0],rounds,8,cmp);qsort(g[1],rounds,8,cmp);
    printf("%s %5d x %5d x %5d  orig median %5.1f best %5.1f | new median %5.1f best %5.1f  %s\n", ta==2?"ABp":ta?"AtB":"AB ", m,n,k,g[0][rounds/2],g[0][rounds-1],g[1][rounds/2],g[1][rounds-1], memcmp(c,c2,(size_t)m*n*4)?"BITS DIFFER":"same bits");
    free(packed[0]);free(packed[1]);free(a);free(b);free(c);free(c2);}
  return 0;}
